// detached_views.js: what a view reads once its buffer is transferred:
// a typed array's lengths and offset become 0, a DataView's byteLength
// and byteOffset throw a TypeError (ES2015+), its buffer stays.
var ab = new ArrayBuffer(8), u = new Uint16Array(ab, 2, 2);
var dv = new DataView(ab, 1, 4);
structuredClone(ab, { transfer: [ab] });
function t(f) {
	try {
		return f();
	} catch (e) {
		return e.name;
	}
}
postMessage([u.length, u.byteLength, u.byteOffset, ab.byteLength,
    t(function () { return dv.byteLength; }),
    t(function () { return dv.byteOffset; }),
    t(function () { return dv.getInt8(0); }),
    dv.buffer === ab]);
close();
