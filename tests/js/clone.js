// clone.js: structured clone of every supported type, inside the worker
// (structuredClone) and to the client (printed in the JSON form).
var o = { a: 1, s: "x\ud800y", d: new Date(5), r: /a+b/gi,
    e: new TypeError("bad"), b: new Boolean(false), n: new Number(-0),
    st: new String("hi"), u: undefined, nz: -0, nan: NaN };
var h = [1]; h[2] = 3; h.extra = "e"; o.h = h;
o.self = o; o.pair = [o.d, o.d];
var c = structuredClone(o);
var i, cur, deep = [], out = [];
out.push(c !== o, c.self === c, c.pair[0] === c.pair[1], c.pair[0] === c.d,
    c.d instanceof Date, c.d.getTime(), c.r instanceof RegExp, c.r.source,
    c.r.global, c.e instanceof TypeError, c.e.message, typeof c.b,
    c.b.valueOf(), 1 / c.n.valueOf(), c.st.length, "u" in c,
    1 / c.nz, c.nan !== c.nan, c.s.charCodeAt(1), c.h.length, 1 in c.h,
    c.h.extra);
for (cur = deep, i = 0; i < 900; i++) { cur[0] = []; cur = cur[0]; }
for (cur = structuredClone(deep), i = 0; cur.length; i++) cur = cur[0];
out.push(i);
try { structuredClone({ f: Math.max }); } catch (err) { out.push(err.name); }
for (cur = deep, i = 0; i < 1100; i++) { cur[0] = []; cur = cur[0]; }
try { structuredClone(deep); } catch (err) { out.push(err.name); }
postMessage(out.join(" "));
postMessage(o);
close();
