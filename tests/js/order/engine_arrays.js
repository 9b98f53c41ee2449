// Engine fix: lastIndexOf with an explicit undefined fromIndex, and
// splice with only a start (fixes.c).
function t(n, f) { postMessage(n + ': ' + JSON.stringify(f())); }
t('lastIndexOf', function () { var a = [1, 2, 1, 2]; return [
    a.lastIndexOf(2, undefined), a.lastIndexOf(2), a.lastIndexOf(1, -1),
    a.lastIndexOf(1, -10), a.lastIndexOf(1, 10), a.lastIndexOf(9)]; });
t('splice', function () { var a = [1, 2, 3], r = a.splice(1);
    var b = [1, 2], r2 = b.splice(), c = [1, 2], r3 = c.splice(0, undefined);
    var d = [1, 2, 3, 4], r4 = d.splice(1, 2, 'x');
    return [a, r, b, r2, c, r3, d, r4]; });
close();
