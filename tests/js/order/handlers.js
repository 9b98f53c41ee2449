// Event handler attributes on a MessagePort keep their place among the
// listeners when replaced, and run through no method a script can
// replace (Function.prototype.call and apply are broken meanwhile).
var out = [];
var ch = new MessageChannel();
ch.port2.onmessage = function () { out.push('f1'); };
ch.port2.addEventListener('message', function () {
	out.push('g');
	c2.port1.postMessage('x');
});
ch.port2.onmessage = function () { out.push('f2'); };
var c2 = new MessageChannel(), rc = Function.prototype.call;
var ra = Function.prototype.apply;
c2.port2.onmessage = function (e) {
	Function.prototype.call = rc;
	Function.prototype.apply = ra;
	out.push('got ' + e.data, typeof ch.port2.onmessage,
	    ch.port2.hasOwnProperty('onmessage'));
	ch.port2.onmessage = null;
	out.push(ch.port2.onmessage);
	postMessage(out);
	close();
};
ch.port1.postMessage(0);
Function.prototype.call = function () { throw new Error('hijacked call'); };
Function.prototype.apply = function () { throw new Error('hijacked'); };
