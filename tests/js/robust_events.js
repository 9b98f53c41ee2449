// robust_events.js: a script that breaks built-ins and pokes at the
// event machinery's state must not break later messages (test_loop.c).
var got = [];
function note(v) { got[got.length] = v; }
onmessage = function (e) { note(e.data); if (e.data === 'b') postMessage(got); };
addEventListener('message', function (e) { note('l:' + e.data); });
Array.prototype.slice = null; Array.prototype.push = null;
Array.prototype.splice = null; Array.prototype.indexOf = null;
Array.prototype.concat = null; Function.prototype.call = null;
Function.prototype.apply = null; String = null; TypeError = null;
Object.defineProperty = null; Object.create = null;
Object.prototype.hasOwnProperty = null;
var ev = new Event('x', { cancelable: true });
try { self._listeners = 1; } catch (e) {}
try { ev._s = { defaultPrevented: true }; } catch (e) {}
try { delete self._listeners; } catch (e) {}
var tries = [typeof self._listeners, typeof self._listeners(),
    typeof ev._s(), ev.defaultPrevented];
try { Event.prototype.defaultPrevented; tries[4] = 'read'; }
catch (e) { tries[4] = 'threw'; }
ev.preventDefault();
tries[5] = ev.defaultPrevented;
var once = 0;
addEventListener('message', function () { once++; }, { once: true });
postMessage(tries);
