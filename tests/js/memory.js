// memory.js: allocates until the heap cap refuses, catches that, lives on.
var a = [];
try {
	while (true)
		a.push(new Array(16384).join("x") + a.length);
} catch (e) {
	a = null;
	postMessage("caught " + e);
}
onmessage = function (e) { postMessage(e.data); };
