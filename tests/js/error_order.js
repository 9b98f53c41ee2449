// error_order.js: microtasks around an uncaught error's listeners
// (test_loop.c). From the main script, whose context is still on the
// stack while its error is reported, every listener runs before any
// microtask. From a timer, its callback's clean-up runs the microtasks
// it queued first, then each listener is followed by its own.
var out = [];

addEventListener('error', function (e) {
	out.push('L1');
	queueMicrotask(function () { out.push('m-L1'); });
	e.preventDefault();
});
addEventListener('error', function () { out.push('L2'); });
queueMicrotask(function () { out.push('micro'); });
setTimeout(function () {
	queueMicrotask(function () { out.push('t-micro'); });
	throw new Error('timer');
}, 0);
setTimeout(function () {
	postMessage(out);
	close();
}, 0);
throw new Error('top');
