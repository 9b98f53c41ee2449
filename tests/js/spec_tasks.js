// spec_tasks.js: cases where Node is not a browser, so spec_tasks.out is
// what the HTML and WebIDL texts say rather than Node's output.
var L = [], port = 'not started';
self.onunhandledrejection = function (e) {
	L.push('unhandled ' + e.reason);
	e.preventDefault();
};
self.onrejectionhandled = function (e) { L.push('handled ' + e.reason); };

// HTML queues rejectionhandled when the handler is added, and
// unhandledrejection only after the checkpoint: handled p1 comes first.
var p1 = Promise.reject('p1');
setTimeout(function () {
	p1.catch(function () {});
	Promise.reject('p2');
}, 0);

// Setting onmessage starts a port, even to null.
var ch = new MessageChannel();
ch.port1.onmessage = null;
ch.port1.addEventListener('message', function (e) { port = e.data; });
ch.port2.postMessage('hi');

// WebIDL converts setTimeout's arguments left to right.
setTimeout({ toString: function () { L.push('handler'); return ''; } },
    { valueOf: function () { L.push('timeout'); return 0; } });

// Dictionary members are read by name, the inherited dictionary's first;
// undefined members take their defaults.
var seen = [], init = {};
['source', 'ports', 'origin', 'lastEventId', 'data', 'bubbles'].forEach(
    function (k) {
	Object.defineProperty(init, k, { get: function () {
		seen.push(k);
		return undefined;
	} });
});
new MessageEvent('message', init);
L.push(seen.join());
var ee = new ErrorEvent('error', { message: undefined, lineno: undefined });
L.push([ee.message === '', ee.lineno].join());
try {
	new PromiseRejectionEvent('unhandledrejection', { reason: 1 });
} catch (e) {
	L.push(e.name);
}

setTimeout(function () {
	postMessage(L);
	postMessage(port);
	// Once close() has run, the rejection's task is discarded.
	Promise.reject('after close');
	close();
}, 20);
