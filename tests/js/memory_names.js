// memory_names.js: makes ever new property names, which stay interned
// for the worker's life, until the heap cap refuses; catches that.
var o = {}, i;
try {
	for (i = 0; ; i++) {
		o["name" + i] = i;
		if (i % 1000 === 0)
			o = {};
	}
} catch (e) {
	o = null;
	postMessage("caught " + e);
}
onmessage = function (e) { postMessage(e.data); };
