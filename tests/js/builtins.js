// builtins.js: Map, Set, ArrayBuffer, typed arrays and DataView in ES5.
// builtins.out is what Node prints for this file with postMessage as
// console.log(JSON.stringify(v)) (only iterator-free API is used here).
function lst(m) {
	var a = [];
	m.forEach(function (v, k) { a.push(String(k) + "=" + String(v)); });
	return a.join();
}
function err(f) {
	try { f(); } catch (e) { return e.name; }
	return "none";
}
var o = {}, f = function () {};
var m = new Map([[1, "a"], [NaN, "n"], [-0, "z"]]);
m.set(o, "obj").set("1", "str").set(f, "fn");
postMessage([m.size, m.get(1), m.get(NaN), m.get(0), m.get(o), String(m.get({})),
    m.get("1"), m.has(-0), m.get(f), m.has(undefined)]);
m.delete(NaN);
var seen = [];
m.forEach(function (v, k, self) {
	seen.push((typeof k === "function" ? "f" : String(k)) + "=" + v,
	    self === m);
	if (k === 1) { m.set("late", "L"); m.delete("1"); }
});
postMessage(seen);
var copy = new Map(m);
copy.clear();
postMessage([copy.size, m.size, lst(new Map([[null, 1], [undefined, 2],
    [true, 3], [false, 4]]))]);
var s = new Set([1, 2, 2, 3, NaN, NaN, -0]);
postMessage([s.size, s.has(NaN), s.has(0), Object.prototype.toString.call(s),
    lst(s), lst(new Set("abca")), lst(new Set(new Set([5, 6]))),
    s.add(7) === s, s.delete(2), s.delete(2), err(function () { Map(); }),
    err(function () { new Map([1]); }),
    err(function () { Map.prototype.get.call({}, 1); })]);
var big = new Map();
for (var i = 0; i < 1000; i++) big.set("k" + i, i);
for (i = 0; i < 990; i++) big.delete("k" + i);
postMessage([big.size, lst(big)]);

var u = new Uint8Array([1, 2, 300, -1]);
postMessage([u.length, u[2], u[3], u.byteLength, String(u[4]), String(u[-1]),
    String(u["1.5"]),
    Array.prototype.join.call(new Int8Array([127, 128, 255, -129])),
    Array.prototype.join.call(new Uint32Array([-1, 4294967296.5])),
    Array.prototype.join.call(new Int32Array([2147483648, -2147483649])),
    new Float32Array([0.1])[0], new Uint16Array([65537])[0]]);
var fa = new Float64Array(2);
fa[0] = 1.5; fa[1] = "x"; fa[5] = 9;
postMessage([fa[0], String(fa[1]), String(fa[5]), fa.length]);
var b = new ArrayBuffer(8), dv = new DataView(b);
dv.setUint32(0, 0x01020304);
dv.setInt16(4, -2, true);
var b8 = new Uint8Array(b);
postMessage([b8.join(), dv.getUint32(0, true), dv.getInt16(4, true),
    dv.getInt16(4), dv.getUint8(0), dv.byteLength, b.byteLength]);
dv.setFloat64(0, Math.PI, true);
postMessage([dv.getFloat64(0, true), new Float64Array(b)[0],
    dv.getFloat64(0) === Math.PI, new DataView(b, 2, 4).byteLength,
    new DataView(b, 2).byteOffset]);
var c = new Uint8ClampedArray([300, -5, 1.5, 2.5, 254.5, NaN]);
postMessage(c.join());
var i16 = new Int16Array(b, 2, 2);
postMessage([i16.length, i16.byteOffset, i16.byteLength, i16.buffer === b]);
postMessage([err(function () { new Int16Array(b, 1); }),
    err(function () { new Int16Array(new ArrayBuffer(3)); }),
    err(function () { new Int16Array(b, 2, 4); }),
    err(function () { new Uint8Array(-1); }),
    err(function () { new ArrayBuffer(-1); }),
    err(function () { dv.getFloat64(4); }),
    err(function () { dv.getInt8(-1); }),
    err(function () { new DataView({}); }),
    err(function () { new DataView(b, 9); }),
    err(function () { new DataView(b, 4, 5); }),
    err(function () { b8.set([1, 2], 7); }),
    err(function () { b8.set([1], -1); }),
    err(function () { Uint8Array(2); })]);
b8 = new Uint8Array(b);
b8.fill(0);
var sub = b8.subarray(1, 3);
sub[0] = 99;
var sub2 = sub.subarray(-1);
sub2[0] = 98;
postMessage([b8[1], b8[2], sub.length, sub.byteOffset, sub2.byteOffset,
    b8.subarray(5, 2).length]);
var sl = b8.slice(-2);
sl[0] = 7;
postMessage([sl.length, b8[6], sl.buffer === b, b.slice(1, 3).byteLength,
    new Uint8Array(b.slice(-7, -5)).join()]);
b8.set([9, 8], 6);
b8.set(b8.subarray(0, 4), 2);
postMessage(b8.join());
postMessage([b8.fill(5, 0, 2) === b8, b8.join(), ArrayBuffer.isView(dv),
    ArrayBuffer.isView(b), ArrayBuffer.isView([]), Int32Array.BYTES_PER_ELEMENT,
    new Float64Array(3).BYTES_PER_ELEMENT, new Float32Array(
    new Int8Array([-1, 2])).join(), new Int16Array([1, 2, 3]).indexOf(3),
    new Uint8Array({ length: 2, 0: 4, 1: 5 }).join(), new Uint8Array(3).length,
    new Uint8Array().length]);
close();
