// Engine fix: Object.keys and Object.getOwnPropertyNames (fixes.c) see
// array and String elements and list integer keys first, ascending.
function t(n, f) { postMessage(n + ': ' + JSON.stringify(f())); }
t('dense', function () { return Object.keys([4, 5, 6]); });
t('extra', function () { var a = [1, 2]; a.x = 1; return Object.keys(a); });
t('sparse', function () { var s = []; s[5] = 1; s[1] = 2; return Object.keys(s); });
t('string', function () { return [Object.keys('ab'), Object.keys(new String('ab'))]; });
t('order', function () { return Object.keys({ 10: 1, 2: 1, a: 1 }); });
t('empty', function () { return [Object.keys([]), Object.keys(5)]; });
t('names', function () { return [Object.getOwnPropertyNames([7, 8]),
    Object.getOwnPropertyNames('ab')]; });
t('null', function () { try { Object.keys(null); } catch (e) { return e.name; } });
close();
