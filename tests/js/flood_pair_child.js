// flood_pair_child.js: flood_pair.js's other half; says how many it got.
var N = 8000, got = 0, kib = new Array(1025).join("y"), i;
onmessage = function () {
	if (++got === N)
		postMessage(got);
};
for (i = 0; i < N; i++)
	postMessage(kib);
