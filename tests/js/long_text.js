// long_text.js: echo two strings, each followed by what it holds
// (test_run.c): its length, its code units at 1000 and 1001, and where
// its NUL is. Long strings are scanned in blocks for what mujs stores
// differently (NUL, characters outside the BMP); these sit past the
// first blocks.
var seen = 0;
onmessage = function (e) {
	var s = e.data;

	postMessage(s);
	postMessage([s.length, s.charCodeAt(1000), s.charCodeAt(1001),
	    s.indexOf('\u0000')]);
	if (++seen === 2)
		close();
};
