// big_flood.js: posts 4 MiB strings one after another, so that a kill
// from outside lands in the middle of a frame.
var s = 'x';
while (s.length < 4194304)
	s += s;
function go() {
	postMessage(s);
	setTimeout(go, 0);
}
go();
