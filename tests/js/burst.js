// burst.js: posts 5000 messages of 4 KiB (20 MiB, more than the daemon
// queues for a client) in one task, then waits (test_loop.c).
var s = new Array(4097).join('x');
for (var i = 0; i < 5000; i++)
	postMessage(i + ':' + s);
