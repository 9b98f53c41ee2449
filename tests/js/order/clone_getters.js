// Structured clone reads each own key when its turn comes: a key that a
// getter deleted by then is left out (HTML, StructuredSerializeInternal),
// one it added is not seen, and a changed value is the new one. The
// getters are on the first keys (mujs orders keys by name, Node by
// insertion: 'a' is first in both).
function t(n, f) { postMessage(n + ': ' + JSON.stringify(f())); }
function keys(o) { return Object.keys(o).sort(); }
t('deleted', function () {
  var o = {};
  Object.defineProperty(o, 'a', { enumerable: true, configurable: true,
    get: function () { delete o.b; o.c = 'changed'; o.d = 'new'; return 'A'; } });
  o.b = 'B'; o.c = 'C';
  var c = structuredClone(o);
  return [keys(c), c.a, c.c, 'b' in c];
});
t('many deleted', function () {
  var o = {}, i;
  Object.defineProperty(o, 'a', { enumerable: true, get: function () {
    for (var j = 0; j < 18; j++) delete o['k' + (j < 10 ? '0' : '') + j];
    return 0; } });
  for (i = 0; i < 20; i++) o['k' + (i < 10 ? '0' : '') + i] = i;
  return keys(structuredClone(o));
});
t('sparse array', function () {
  var a = [];
  a[1] = 'one'; a[5] = 'five'; a.x = 'x';
  Object.defineProperty(a, 0, { enumerable: true, configurable: true,
    get: function () { delete a[5]; delete a.x; return 'zero'; } });
  var c = structuredClone(a);
  return [c.length, keys(c), 5 in c, 'x' in c];
});
t('inherited after delete', function () {
  var o = {};
  Object.defineProperty(o, 'a', { enumerable: true,
    get: function () { delete o.b; return 'A'; } });
  o.b = 'B';
  Object.prototype.b = 'INHERITED';
  var c = structuredClone(o);
  delete Object.prototype.b;
  return [keys(c), c.hasOwnProperty('b')];
});
t('via postMessage', function () { return 'see the next line'; });
var o = {};
Object.defineProperty(o, 'a', { enumerable: true,
  get: function () { delete o.b; return 'A'; } });
o.b = 'B';
var ch = new MessageChannel();
ch.port1.onmessage = function (e) {
  postMessage(['via port', keys(e.data), 'b' in e.data]);
  ch.port1.close();
  close();
};
ch.port2.postMessage(o);
