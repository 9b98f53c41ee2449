// spec_tasks.js: cases where Node is not a browser, so spec_tasks.out is
// what the HTML and WebIDL texts say rather than Node's output.
var L = [], port = 'not started', p2, waiting = 2, closing = false;
self.onunhandledrejection = function (e) {
	if (closing)
		postMessage('after close: ' + e.reason);
	L.push('unhandled ' + e.reason);
	e.preventDefault();
	if (e.reason === 'p2') {
		p2 = e.promise;
		finish();
	}
};
self.onrejectionhandled = function (e) {
	L.push('handled ' + e.reason);
	// close() discards the rejection tasks after this one: p4's.
	if (e.reason === 'p2') {
		closing = true;
		close();
	}
};

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
ch.port1.addEventListener('message', function (e) {
	port = e.data;
	finish();
});
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
seen = [];
init = {};
['message', 'lineno', 'filename', 'error', 'colno'].forEach(function (k) {
	Object.defineProperty(init, k, { get: function () {
		seen.push(k);
		return { valueOf: function () { seen.push(k + ' number'); return 1; },
		    toString: function () { seen.push(k + ' string'); return ''; } };
	} });
});
new ErrorEvent('error', init);
L.push(seen.join());
try {
	new MessageEvent('message', 5);
} catch (e) {
	L.push(e.message.indexOf("'MessageEventInit'") >= 0);
}
try {
	new PromiseRejectionEvent('unhandledrejection', { reason: 1 });
} catch (e) {
	L.push(e.name);
}

// Once both the port's message and p2's report came: the results, then,
// in a task of its own (p2 is reported by then), a handled p2 that
// closes while p4 waits to be reported.
function finish() {
	if (--waiting > 0)
		return;
	postMessage(L);
	postMessage(port);
	setTimeout(function () {
		p2.catch(function () {});
		Promise.reject('p4');
	}, 0);
}
