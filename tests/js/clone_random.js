// clone_random.js: randomized structured-clone round trips. The first
// message is {seed, count, every}: the worker generates count value
// graphs from seed (every type, nested, with shared and cyclic
// references), structuredClone()s each and compares; it posts
// "local ok N" (or what differed), then posts every every-th graph to
// its owner. Each message after that must equal the next posted graph;
// after the last it posts "owner ok N" (or what differed) and closes.
var seed = 1, samples = [], back = 0, started = false;

function rnd(n) {		// Park-Miller: exact in doubles
	seed = seed * 16807 % 2147483647;
	return seed % n;
}
function pick(a) { return a[rnd(a.length)]; }

var STRS = ["", "a", "$wwd", "x\ud800y", "\udc00", "\ud83d\ude00", "h\u00e9",
    "0", "long string with \"quotes\" and \\ and \n"];
var NUMS = [0, -0, 1, -1, 0.1, 1e300, -5e-324, 4294967296, 9007199254740993,
    -1152921504606846976, NaN, Infinity, -Infinity, 2147483647];
var KEYS = ["a", "b", "$wwd", "value", "0", "7", "length", "x\ud800",
    "__proto__x", ""];
var ERRS = [Error, EvalError, RangeError, ReferenceError, SyntaxError,
    TypeError, URIError];
var VIEWS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array,
    Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array];
var RES = ["a+b", "^x$", "[\\u0000-z]", "(?:)", "\ud800", "\\/", "a/b"];
var FLAGS = ["", "g", "i", "m", "gi", "gim"];

function prim() {
	switch (rnd(7)) {
	case 0: return undefined;
	case 1: return null;
	case 2: return rnd(2) === 0;
	case 3: return pick(NUMS);
	case 4: return rnd(1000) - 500;
	case 5: return rnd(100000) / 7;
	default: return pick(STRS);
	}
}

// A graph generator: objs are all objects made so far (for shared and,
// while still being filled, cyclic references); bufs the ArrayBuffers.
function Gen() { this.objs = []; this.bufs = []; }
Gen.prototype.buffer = function () {
	var b, u, i;
	if (this.bufs.length && rnd(2))
		return pick(this.bufs);
	b = new ArrayBuffer(rnd(33));
	for (u = new Uint8Array(b), i = 0; i < u.length; i++)
		u[i] = rnd(256);
	this.bufs.push(b);
	this.objs.push(b);
	return b;
};
Gen.prototype.view = function () {
	var b = this.buffer(), T, size, off, len;
	if (rnd(10) === 0) {
		off = rnd(b.byteLength + 1);
		return new DataView(b, off, rnd(b.byteLength - off + 1));
	}
	T = pick(VIEWS);
	size = T.BYTES_PER_ELEMENT;
	off = size * rnd(Math.floor(b.byteLength / size) + 1);
	len = rnd(Math.floor((b.byteLength - off) / size) + 1);
	return new T(b, off, len);
};
Gen.prototype.value = function (depth) {
	var r = rnd(depth > 4 ? 4 : 22), v, i, n;
	if (r < 3)
		return prim();
	if (r === 3 && this.objs.length)
		return pick(this.objs);
	switch (r) {
	case 4: v = new Date(rnd(4) ? rnd(2000000000) * 1000 : NaN); break;
	case 5: v = new RegExp(pick(RES), pick(FLAGS)); break;
	case 6: v = new Boolean(rnd(2)); break;
	case 7: v = new Number(pick(NUMS)); break;
	case 8: v = new String(pick(STRS)); break;
	case 9:
		v = rnd(5) ? new (pick(ERRS))(pick(STRS)) : new (pick(ERRS))();
		break;
	case 10: v = this.buffer(); break;
	case 11: case 12: v = this.view(); break;
	default: v = null;
	}
	if (v !== null) {
		this.objs.push(v);
		return v;
	}
	if (r < 16) {
		v = {};
		this.objs.push(v);
		for (n = rnd(5), i = 0; i < n; i++)
			v[pick(KEYS)] = this.value(depth + 1);
	} else if (r < 18) {
		v = [];
		this.objs.push(v);
		for (n = rnd(6), i = 0; i < n; i++)
			v[i] = this.value(depth + 1);
	} else if (r === 18) {		// holey, with extra keys
		v = [];
		this.objs.push(v);
		for (n = rnd(4), i = 0; i < n; i++)
			v[rnd(12)] = this.value(depth + 1);
		if (rnd(2))
			v.length = rnd(20) + v.length;
		if (rnd(2))
			v[pick(["x", "$wwd", "length2"])] = this.value(depth + 1);
	} else if (r === 19) {
		v = new Map();
		this.objs.push(v);
		for (n = rnd(5), i = 0; i < n; i++)
			v.set(rnd(2) ? prim() : this.value(depth + 1),
			    this.value(depth + 1));
	} else {
		v = new Set();
		this.objs.push(v);
		for (n = rnd(5), i = 0; i < n; i++)
			v.add(rnd(2) ? prim() : this.value(depth + 1));
	}
	return v;
};

function kind(v) {
	var i;
	if (v === null || typeof v !== "object")
		return typeof v;
	for (i = 0; i < VIEWS.length; i++)
		if (v instanceof VIEWS[i])
			return "view" + i;
	if (v instanceof Error)
		return "Error";
	if (v instanceof Array) return "Array";
	if (v instanceof Map) return "Map";
	if (v instanceof Set) return "Set";
	if (v instanceof ArrayBuffer) return "ArrayBuffer";
	if (v instanceof DataView) return "DataView";
	if (v instanceof Date) return "Date";
	if (v instanceof RegExp) return "RegExp";
	if (v instanceof Boolean) return "Boolean";
	if (v instanceof Number) return "Number";
	if (v instanceof String) return "String";
	return "Object";
}
function sameNum(a, b) {
	return a === b ? a !== 0 || 1 / a === 1 / b : a !== a && b !== b;
}
function ownNames(o) {		// an array's non-index own keys, once each
	var k, seen = {}, out = [];
	for (k in o)
		if (Object.prototype.hasOwnProperty.call(o, k) &&
		    !/^(0|[1-9][0-9]*)$/.test(k) && !seen.hasOwnProperty("k" + k)) {
			seen["k" + k] = true;
			out.push(k);
		}
	return out.sort();
}

// Deep equality that also requires the same sharing shape: a bijection
// between the objects of a and of b, built as they are met.
function Cmp() { this.ab = new Map(); this.ba = new Map(); }
Cmp.prototype.eq = function (a, b, path) {
	var k = kind(a), i, ka, kb, ua, ub;
	if (k !== kind(b))
		return path + ": " + k + " became " + kind(b);
	if (k === "number")
		return sameNum(a, b) ? null : path + ": " + a + " became " + b;
	if (a === null || typeof a !== "object")
		return a === b ? null : path + ": " + String(a) + " became " +
		    String(b);
	if (this.ab.has(a) || this.ba.has(b))
		return this.ab.get(a) === b && this.ba.get(b) === a ? null :
		    path + ": sharing differs";
	if (a === b)
		return path + ": not cloned";
	this.ab.set(a, b);
	this.ba.set(b, a);
	switch (k) {
	case "Date":
		return sameNum(a.getTime(), b.getTime()) ? null : path + ": date";
	case "RegExp":
		return a.source === b.source && a.global === b.global &&
		    a.ignoreCase === b.ignoreCase && a.multiline === b.multiline ?
		    null : path + ": regexp /" + b.source + "/";
	case "Boolean": case "String":
		return a.valueOf() === b.valueOf() ? null : path + ": wrapper";
	case "Number":
		return sameNum(a.valueOf(), b.valueOf()) ? null : path + ": Number";
	case "Error":
		return a.name === b.name && a.message === b.message &&
		    b instanceof a.constructor ? null : path + ": " + b.name +
		    " " + b.message;
	case "ArrayBuffer":
		if (a.byteLength !== b.byteLength)
			return path + ": byteLength";
		ua = new Uint8Array(a);
		ub = new Uint8Array(b);
		for (i = 0; i < ua.length; i++)
			if (ua[i] !== ub[i])
				return path + ": byte " + i;
		return null;
	case "Map": case "Set":
		if (a.size !== b.size)
			return path + ": size " + b.size;
		ka = a.keys(); kb = b.keys();
		for (i = 0; i < ka.length; i++)
			if ((k = this.eq(ka[i], kb[i], path + ".key" + i)) ||
			    (a instanceof Map && (k = this.eq(a.get(ka[i]),
			    b.get(kb[i]), path + ".get" + i))))
				return k;
		return null;
	case "Array":
		if (a.length !== b.length)
			return path + ": length " + b.length;
		for (i = 0; i < a.length; i++)
			if ((i in a) !== (i in b))
				return path + "[" + i + "]: hole";
			else if ((k = this.eq(a[i], b[i], path + "[" + i + "]")))
				return k;
		ka = ownNames(a); kb = ownNames(b);
		break;
	case "Object":
		ka = Object.keys(a); kb = Object.keys(b);
		break;
	default:		// typed arrays and DataView
		if (a.byteOffset !== b.byteOffset ||
		    a.byteLength !== b.byteLength)
			return path + ": view range";
		return this.eq(a.buffer, b.buffer, path + ".buffer");
	}
	if (ka.join("\u0001") !== kb.join("\u0001"))
		return path + ": keys " + kb.join(",");
	for (i = 0; i < ka.length; i++)
		if ((k = this.eq(a[ka[i]], b[kb[i]], path + "." + ka[i])))
			return k;
	return null;
};

function start(m) {
	var i, g, c, why, bad = null, count = m.count;
	seed = m.seed;
	for (i = 0; i < count && bad === null; i++) {
		g = new Gen().value(0);
		try {
			c = structuredClone(g);
			why = new Cmp().eq(g, c, "v");
		} catch (e) {
			why = "threw " + e.name + ": " + e.message;
		}
		if (why)
			bad = "graph " + i + " of seed " + m.seed + ": " + why;
		if (i % m.every === 0)
			samples.push(g);
	}
	postMessage(bad || "local ok " + count);
	for (i = 0; i < samples.length; i++)
		postMessage(samples[i]);
}

onmessage = function (e) {
	var why;
	if (!started) {
		started = true;
		start(e.data);
		return;
	}
	why = new Cmp().eq(samples[back], e.data, "v");
	if (why) {
		postMessage("owner graph " + back + ": " + why);
		close();
		return;
	}
	if (++back === samples.length) {
		postMessage("owner ok " + back);
		close();
	}
};
