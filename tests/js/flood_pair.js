// flood_pair.js: this worker and a nested one each post N messages of
// 1 KiB to the other before reading any, N KiB each way, so each stops
// reading while its output waits for the other. Both must get all N.
var N = 8000, got = 0, childGot = -1, kib = new Array(1025).join("x"), i, b;
b = new Worker("flood_pair_child.js");
b.onmessage = function (e) {
	if (typeof e.data === "number")
		childGot = e.data;
	else
		got++;
	if (got === N && childGot === N)
		postMessage("both got " + N);
};
for (i = 0; i < N; i++)
	b.postMessage(kib);
