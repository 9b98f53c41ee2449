// clone_buffers.js: structuredClone of Map, Set, ArrayBuffer, typed
// arrays and DataView: shared buffers stay shared, cycles through Maps
// survive, detached buffers cannot be cloned, transfer detaches.
// clone_buffers.out follows the HTML spec where Node 20 differs: a
// detached or non-transferable object in a transfer list is a
// DataCloneError (Node: none, TypeError).
var b = new ArrayBuffer(8), u = new Uint8Array(b), dv = new DataView(b, 2, 4);
u[0] = 1; u[7] = 255;
var f = new Float64Array([Math.PI, -0]);
var m = new Map([[1, "a"], [NaN, u], ["self", null]]);
m.set("self", m);
var s = new Set([m, u, 3]);
var o = { b: b, u: u, dv: dv, f: f, m: m, s: s, i16: new Int16Array(b, 2, 1) };
var c = structuredClone(o);
postMessage([c.u.buffer === c.b, c.dv.buffer === c.b, c.i16.buffer === c.b,
    c.b.byteLength, c.u[7], c.dv.byteOffset, c.dv.byteLength, c.f[0],
    1 / c.f[1] < 0, c.m.get("self") === c.m, c.m.get(NaN) === c.u,
    c.s.has(c.m), c.s.has(c.u), c.s.size, c.i16.byteOffset, c.i16.length,
    c.m instanceof Map, c.u instanceof Uint8Array, c.m.size]);
function err(f) {
	try { f(); } catch (e) { return e.name; }
	return "none";
}
var t = new ArrayBuffer(4), tv = new Uint8Array(t);
tv[1] = 7;
var moved = structuredClone({ v: tv }, { transfer: [t] });
postMessage([moved.v[1], moved.v.length, t.byteLength, tv.length,
    tv.byteLength, String(tv[1]), err(function () { structuredClone(t); }),
    err(function () { structuredClone(1, { transfer: [t] }); }),
    err(function () { var x = new ArrayBuffer(1);
	structuredClone(1, { transfer: [x, x] }); }),
    err(function () { structuredClone(1, { transfer: [{}] }); }),
    err(function () { tv.fill(1); })]);
var p = new ArrayBuffer(2);
postMessage(1, [p]);
postMessage([p.byteLength, err(function () { postMessage(1, [p]); })]);
postMessage({ m: m, dv: dv, s: new Set([1]) });
close();
