// doomed.js: a message whose transfer list holds the port it is sent to
// is doomed (HTML, postMessage steps): it returns without an error and
// nothing arrives; the ports it carried, the target among them, are
// lost, so the channel is gone. The sending port itself in the list is
// a DataCloneError.
var mc = new MessageChannel(), other = new MessageChannel(), seen = [];
mc.port2.onmessage = function (e) { seen.push('got ' + e.data); };
other.port2.onmessage = function (e) { seen.push('other got ' + e.data); };
try {
	mc.port1.postMessage('x', [mc.port2, other.port1]);
	seen.push('returned');
} catch (e) {
	seen.push(e.name);
}
try {
	mc.port1.postMessage('y', [mc.port1]);
} catch (e) {
	seen.push(e.name);
}
mc.port1.postMessage('z');
other.port2.postMessage('to the lost port');
setTimeout(function () {
	postMessage(seen);
	close();
}, 20);
