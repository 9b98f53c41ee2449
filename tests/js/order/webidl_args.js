// WebIDL argument conversion: a dictionary member that is undefined is
// missing (its default applies), a dictionary must be an object, null or
// undefined, and structured clone refuses an arguments object (an exotic
// object).
function t(n, f) {
  try { postMessage(n + ': ' + JSON.stringify(f())); }
  catch (e) { postMessage(n + ': ' + e.name); }
}
t('message undefined', function () {
  var e = new MessageEvent('message', { data: undefined, origin: undefined,
    lastEventId: undefined, source: undefined, ports: undefined });
  return [e.data, e.origin, e.lastEventId, e.source, e.ports.length];
});
t('event number init', function () { return new Event('x', 5).type; });
t('event null init', function () { return new Event('x', null).bubbles; });
t('clone undefined', function () { return structuredClone(undefined); });
t('clone arguments', function () {
  return structuredClone((function () { return arguments; })(1, 2));
});
close();
