// Engine fix: hasOwnProperty and Object.getOwnPropertyDescriptor (fixes.c)
// see the own properties mujs keeps outside its tree (array and String
// elements and length, a RegExp's lastIndex) and not inherited ones;
// Error prototypes have message ""; structured clone copies an Error's
// message only when it is an own data property.
function t(n, f) { postMessage(n + ': ' + JSON.stringify(f())); }
function desc(o, k) {
  var d = Object.getOwnPropertyDescriptor(o, k);
  return d === undefined ? 'none' : [typeof d.value === 'function' ?
    'fn' : d.value, d.writable, d.enumerable, d.configurable];
}
var a = [5, 6], s = new String('ab'), r = /x/g;
t('has', function () {
  return [a.hasOwnProperty(0), a.hasOwnProperty('length'),
    a.hasOwnProperty(2), s.hasOwnProperty(1), s.hasOwnProperty('length'),
    s.hasOwnProperty(2), 'ab'.hasOwnProperty('length'),
    ({}).hasOwnProperty('toString'), r.hasOwnProperty('lastIndex')];
});
t('array', function () { return [desc(a, 0), desc(a, '1'), desc(a, 'length'),
  desc(a, 2), desc(a, 'push')]; });
t('string', function () { return [desc(s, 0), desc(s, 'length'),
  desc(s, 5)]; });
t('plain', function () { var o = { x: 1 };
  Object.defineProperty(o, 'y', { value: 2 });
  return [desc(o, 'x'), desc(o, 'y'), desc(o, 'toString'),
    desc(o, 'hasOwnProperty')]; });
t('builtins', function () { return [desc(Math, 'PI'),
  desc(r, 'lastIndex')]; });
t('names agree', function () {
  return [r, a, s, function (p, q) {}, Math].map(function (o) {
    return Object.getOwnPropertyNames(o).filter(function (k) {
      return !o.hasOwnProperty(k) ||
        Object.getOwnPropertyDescriptor(o, k) === undefined;
    });
  });
});
t('inherited index', function () {
  var sp = [], calls = 0, r;
  sp[5] = 1;
  Array.prototype[1] = 'P';
  String.prototype[0] = 'S';
  Object.defineProperty(Array.prototype, 7, { configurable: true,
    get: function () { calls++; return 'G'; } });
  r = [sp.hasOwnProperty(1), sp.hasOwnProperty(5), desc(sp, 1), desc(sp, 5),
    [5, 6].hasOwnProperty(7), desc([5, 6], 0), desc(new String('ab'), 0),
    calls];
  delete Array.prototype[1];
  delete Array.prototype[7];
  delete String.prototype[0];
  return r;
});
t('not an object', function () {
  try { Object.getOwnPropertyDescriptor(undefined, 'x'); }
  catch (e) { return e.name; }
});
t('messages', function () {
  return [Error.prototype.message, TypeError.prototype.message,
    RangeError.prototype.hasOwnProperty('message'), new Error().message,
    new Error().hasOwnProperty('message'), String(new URIError()),
    String(new SyntaxError('s'))];
});
t('clone', function () {
  var e = structuredClone(new Error()), f = structuredClone(new RangeError('m'));
  return [e.message, e.hasOwnProperty('message'), f.name, f.message,
    f.hasOwnProperty('message')];
});
close();
