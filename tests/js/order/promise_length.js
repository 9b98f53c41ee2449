// Promise.all & co read the array's length at each step, as an array
// iterator does: an element a getter adds is waited for, one it removes
// is not.
function grow(arr) {
  var o = {};
  Object.defineProperty(o, 'then', { get: function () { arr.push(3); } });
  return o;
}
var a = [1], b = [1, 2, 3], out = [];
a.push(grow(a));
Object.defineProperty(b, 1, { get: function () { b.length = 1; return 2; },
  configurable: true });
Promise.all(a).then(function (v) { out.push('all ' + v.length); });
Promise.allSettled(b).then(function (v) { out.push('settled ' + v.length); });
Promise.race([]).then(function () { out.push('race settled'); });
setTimeout(function () { postMessage(out); close(); }, 0);
