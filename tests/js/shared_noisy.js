// shared_noisy.js: a shared worker that logs and throws (test_shared.c).
// Its scope has no port of its own, so both reach only wwd's log, and
// the worker carries on.
var total = 0;
console.log('shared worker up');
onconnect = function (e) {
	var port = e.ports[0];

	port.onmessage = function (ev) {
		if (ev.data === 0)
			throw new Error('zero');
		total += ev.data;
		port.postMessage(total);
	};
};
