// transfer_in_getter.js: a getter run while a message is serialized
// closes, gives away or detaches something in its transfer list. HTML
// checks the list again after serializing: each is a DataCloneError the
// script catches, and nothing of the message leaves (the worker lived
// through none of these before: wwd took the frame for a protocol error).
var seen = [];
function trap(f) {
	var o = {};
	Object.defineProperty(o, 'a', { enumerable: true, get: f });
	return o;
}
function attempt(name, send) {
	try { send(); seen.push(name + ': sent'); }
	catch (e) { seen.push(name + ': ' + e.name); }
}
var mc = new MessageChannel(), other = new MessageChannel();
attempt('closed, self.postMessage', function () {
	postMessage(trap(function () { mc.port1.close(); }), [mc.port1]);
});
mc = new MessageChannel();
attempt('closed, port.postMessage', function () {
	other.port1.postMessage(trap(function () { mc.port1.close(); }),
	    [mc.port1]);
});
mc = new MessageChannel();
attempt('given away', function () {
	postMessage(trap(function () {
		other.port1.postMessage('away', [mc.port1]);
	}), [mc.port1]);
});
mc = new MessageChannel();
attempt('closed, structuredClone', function () {
	structuredClone(trap(function () { mc.port1.close(); }),
	    { transfer: [mc.port1] });
});
var buf = new ArrayBuffer(8);
attempt('detached', function () {
	postMessage(trap(function () { structuredClone(buf, { transfer: [buf] }); }),
	    [buf]);
});
mc = new MessageChannel();
attempt('untouched', function () {
	postMessage(trap(function () { return 1; }), [mc.port1]);
});
other.port2.onmessage = function (e) {
	seen.push('other got ' + e.data);
	postMessage(seen);
	close();
};
