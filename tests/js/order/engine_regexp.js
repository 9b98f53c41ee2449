// Engine fix: the RegExp constructor (fixes.c). mujs escaped every '/'
// of a source string, even an escaped one, so a RegExp rebuilt from
// another's source (as structured clone does) changed.
function t(n, f) { postMessage(n + ': ' + JSON.stringify(f())); }
var r = /\//;
t('source', function () { return [r.source, new RegExp(r.source, '').source,
    new RegExp('\\/').source, new RegExp('/').source,
    new RegExp('a\\\\/b').source, new RegExp('\\\\').source]; });
t('clone', function () { return [structuredClone(r).source,
    String(structuredClone(/a\/b/gi))]; });
t('semantics', function () { return [new RegExp('\\/').test('/'),
    new RegExp('[\\/]').test('/'), RegExp(r) === r, new RegExp(r) === r,
    /x/ instanceof RegExp, new RegExp('x') instanceof RegExp,
    RegExp.prototype.constructor === RegExp, RegExp.length]; });
t('errors', function () { try { new RegExp('('); } catch (e) {
    return e.name; } });
close();
