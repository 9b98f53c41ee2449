// lone_handler.js: a lone onmessage is called without a full dispatch;
// that shortcut follows every change to the global's "message"
// listeners, made by the listeners themselves as messages arrive
// (test_loop.c). Each message's change runs once, in its first listener.
var log = [], done = {};
var steps = {
	1: function () { addEventListener('message', g); },
	2: function () {},
	3: function () { removeEventListener('message', g); },
	4: function () {
		onmessage = null;
		addEventListener('message', g, { once: true });
		addEventListener('message', h);
	},
	5: function () { removeEventListener('message', h); onmessage = f; },
	6: function () { postMessage(log); close(); }
};
function step(e) {
	if (!done[e.data]) {
		done[e.data] = true;
		steps[e.data]();
	}
}
function f(e) { log.push('f' + e.data); step(e); }
function g(e) { log.push('g' + e.data); step(e); }
function h(e) { log.push('h' + e.data); step(e); }
onmessage = f;
