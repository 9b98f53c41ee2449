/*
 * runner.js: the least of mocha, sinon and node's assert that the
 * Promises/A+ suite (promises-aplus-tests 2.1.2) uses, in ES5, for a wwd
 * worker, plus the adapter for the native Promise. run.sh concatenates
 * this file, the suite's files wrapped as modules and a final run() call.
 * Tests run one at a time, each with a 1 s timeout (mocha's is 200 ms;
 * mujs is slower); a failure is a timeout, an error passed to done(), a
 * second done(), or an uncaught error while the test runs. Each failure
 * is posted as a message, then one summary { passed, failed }.
 */
var modules = {}, cache = {}, tests = [], path = [];

function define(name, fn) { modules[name] = fn; }

function require(name) {
  name = name.replace(/^\.\//, '').replace(/\.js$/, '');
  if (cache.hasOwnProperty(name)) return cache[name].exports;
  if (!modules.hasOwnProperty(name)) throw new Error('no module ' + name);
  var m = { exports: {} };
  cache[name] = m;
  modules[name].call(m.exports, m, m.exports, require, self);
  return m.exports;
}

var hooks = [[]], after = [[]];

function describe(title, fn) {
  path.push(title); hooks.push([]); after.push([]);
  fn();
  after.pop(); hooks.pop(); path.pop();
}

function beforeEach(fn) { hooks[hooks.length - 1].push(fn); }
function afterEach(fn) { after[after.length - 1].unshift(fn); }

function specify(title, fn) {
  tests.push({ title: path.concat([title]).join(' / '), fn: fn,
    hooks: Array.prototype.concat.apply([], hooks),
    after: Array.prototype.concat.apply([], after).reverse() });
}
var it = specify;

define('assert', function (module) {
  function fail(msg) { var e = new Error(msg); e.name = 'AssertionError';
    throw e; }
  var assert = function (v, m) { if (!v) fail(m || 'assertion failed'); };
  assert.strictEqual = function (a, b, m) {
    if (a !== b) fail(m || String(a) + ' !== ' + String(b)); };
  assert.notStrictEqual = function (a, b, m) {
    if (a === b) fail(m || String(a) + ' === ' + String(b)); };
  module.exports = assert;
});

define('sinon', function (module) {
  var order = 0;
  function spy(fn) {
    var s = function () {
      var args = Array.prototype.slice.call(arguments);
      s.calls.push({ args: args, order: ++order });
      if (s.throwValue !== undefined) throw s.throwValue;
      if (fn) return fn.apply(this, args);
      return s.returnValue;
    };
    s.calls = [];
    s.returns = function (v) { s.returnValue = v; return s; };
    s.throws = function (e) { s.throwValue = e; return s; };
    return s;
  }
  function fail(msg) { throw new Error('AssertError: ' + msg); }
  module.exports = {
    spy: spy,
    stub: function () { return spy(); },
    match: { same: function (x) { return { same: x }; } },
    assert: {
      calledWith: function (s, m) {
        for (var i = 0; i < s.calls.length; i++)
          if (s.calls[i].args[0] === m.same) return;
        fail('expected to be called with the value');
      },
      notCalled: function (s) {
        if (s.calls.length) fail('expected not to be called'); },
      callOrder: function () {
        for (var i = 0; i < arguments.length; i++) {
          if (!arguments[i].calls.length) fail('not called');
          if (i > 0 && arguments[i].calls[0].order <
              arguments[i - 1].calls[0].order) fail('wrong call order');
        }
      }
    }
  };
});

self.adapter = {
  resolved: function (v) { return Promise.resolve(v); },
  rejected: function (r) { return Promise.reject(r); },
  deferred: function () {
    var d = {};
    d.promise = new Promise(function (res, rej) {
      d.resolve = res; d.reject = rej; });
    return d;
  }
};

var current = null, passed = 0, failed = 0;

/* Rejections are the suite's business; uncaught errors fail the test. */
self.addEventListener('unhandledrejection', function (e) {
  e.preventDefault(); });
self.addEventListener('error', function (e) {
  e.preventDefault();
  if (current) finish(current, 'uncaught: ' + e.message);
});

function finish(t, err) {
  if (t.finished) {
    if (err) postMessage('FAIL (after the end) ' + t.title + ': ' + err);
    return;
  }
  t.finished = true;
  clearTimeout(t.timer);
  for (var i = 0; i < t.after.length; i++) t.after[i]();
  if (err) { failed++; postMessage('FAIL ' + t.title + ': ' + err); }
  else passed++;
  current = null;
  setTimeout(next, 0);
}

var index = 0;
function next() {
  if (index >= tests.length) {
    postMessage({ passed: passed, failed: failed });
    close();
    return;
  }
  var t = tests[index++];
  current = t;
  t.timer = setTimeout(function () { finish(t, 'timeout'); }, 1000);
  try {
    for (var i = 0; i < t.hooks.length; i++) t.hooks[i]();
    /* As in mocha, a test taking no done is synchronous. */
    if (t.fn.length === 0) {
      t.fn();
      finish(t, null);
      return;
    }
    t.fn(function (e) {
      if (t.finished) return finish(t, 'done() called twice');
      finish(t, e ? String(e) : null);
    });
  } catch (e) {
    finish(t, 'threw ' + e);
  }
}

function run(names) {
  for (var i = 0; i < names.length; i++) require(names[i]);
  next();
}
