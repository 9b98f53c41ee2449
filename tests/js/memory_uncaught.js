// memory_uncaught.js: fills the heap cap, catches that, keeps it all,
// then uses up the reserve left for catch blocks and lets that error go
// uncaught. Reporting it has no memory left: it is reported all the
// same, and what the worker sent before arrives (it used to abort()).
postMessage("before");
var a = [], b = [];
try {
	while (true)
		a.push({ n: a.length });
} catch (e) {
}
while (true)
	b.push({ n: b.length });
