// webidl_misc.js: small conversions and defaults (test_loop.c): the
// global scope's other event handlers, clearTimeout's id as a long, a
// non-boolean capture flag, and a nested worker's error event (error
// null; its URL, parentheses and all, as the filename).
var r = [typeof onlanguagechange, onoffline, ononline], n = 0;
var a = setTimeout(function () { r.push('a fired'); }, 0);
var t = new EventTarget();

function g() {
	n++;
}
clearTimeout(a + 0.5);
t.addEventListener('c', g, true);
t.removeEventListener('c', g, 1);
t.dispatchEvent(new Event('c'));
r.push(n);
var w = new Worker('data:,function f(){throw new Error("x")} setTimeout(f,0)');
w.onerror = function (e) {
	r.push(e.error, e.filename, e.lineno);
	e.preventDefault();
	setTimeout(function () {
		postMessage(r);
		close();
	}, 0);
};
