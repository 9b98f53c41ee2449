// Engine fix: String.prototype.split with a regexp (a match at index 0,
// captures, limits) and substr (fixes.c).
function t(n, f) { postMessage(n + ': ' + JSON.stringify(f())); }
t('split', function () { return ['test'.split(/(t)/), 'abc'.split(/(?:)/),
    ''.split(/x/), ''.split(/(?:)/), 'a1b2c3'.split(/\d/, 2),
    'A1b'.split(/a/i), 'x'.split(/(x)/), 'a,b,c'.split(',', 2),
    'a b  c'.split(/\s+/), 'a1b2'.split(/(\d)/, 3)]; });
t('substr', function () { return ['abcdef'.substr(2), 'abcdef'.substr(-3, 2),
    'abc'.substr(1, -1), 'abc'.substr(5)]; });
close();
