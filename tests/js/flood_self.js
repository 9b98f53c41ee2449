// flood_self.js: posts N messages of 1 KiB to its own MessageChannel
// before it reads any, so it stops reading while its output waits for
// itself. It must still get all N.
var ch = new MessageChannel(), N = 8000, got = 0;
var kib = new Array(1025).join("z"), i;
ch.port2.onmessage = function () {
	if (++got === N)
		postMessage("got " + N);
};
for (i = 0; i < N; i++)
	ch.port1.postMessage(kib);
