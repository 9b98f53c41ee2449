// Engine fix: numbers are parsed and printed exactly (js_strtod and
// js_grisu2 in fixes.c), toFixed/toExponential/toPrecision round ties
// up, parseInt/parseFloat follow ECMA-262.
function t(n, f) { postMessage(n + ': ' + JSON.stringify(f())); }
t('print', function () { return [String(0.1 + 0.2), String(5e-324),
    String(1.7976931348623157e308), String(123456789012345680000),
    String(1 / 3), String(-1e-7), String(2e-7 * 3), String(1e21)]; });
t('parse', function () { return [5e-324 > 0, Number('0.1') === 0.1,
    123456789012345680000 === 1.2345678901234568e20, Number('  1.5e3 '),
    Number('1e'), Number('.5'), Number('5.'), Number('1.2.3'),
    JSON.parse('[0.1,5e-324]')]; });
t('toFixed', function () { return [(2.5).toFixed(0), (-2.5).toFixed(0),
    (1.005).toFixed(2), (0.5).toFixed(0), (0.05).toFixed(1),
    (-0.0001).toFixed(2), (-0).toFixed(1), (999.99).toFixed(1),
    (1e-10).toFixed(3), (12345.6789).toFixed(), (1e21).toFixed(2),
    (0.1).toFixed(20)]; });
t('toPrecision', function () { return [(1e21).toPrecision(3),
    (0).toPrecision(3), (99.99).toPrecision(3), (0.00000123).toPrecision(2),
    (123456).toPrecision(6), (2.5).toPrecision(1), (1234.5).toPrecision(2)];
});
t('toExponential', function () { return [(123.456).toExponential(2),
    (0).toExponential(), (0).toExponential(2), (2.5).toExponential(0),
    (-0.00015).toExponential(), (123).toExponential()]; });
t('parseInt', function () { return [parseInt('0x', 16), parseInt('\u00a012'),
    parseInt('123456789012345678901234567890'), parseInt('-0x1F'),
    parseInt('0x1F', 10), parseInt('  -12.9'), parseInt('\ufeff7'),
    parseInt('z', 36), parseInt('10', 37), 1 / parseInt('-0')]; });
t('parseFloat', function () { return [parseFloat('1e'), parseFloat('5e-324'),
    parseFloat('\u00a0-Infinityx'), parseFloat('+.5'), parseFloat('-'),
    parseFloat('3.14abc')]; });
close();
