// The spec's core.js: gets the start, then the end of its slice,
// works (sums the numbers), reports and closes.
var start;
onmessage = getStart;
function getStart(event) {
	start = 1 * event.data;
	onmessage = getEnd;
}
var end;
function getEnd(event) {
	end = 1 * event.data;
	onmessage = null;
	work();
}
function work() {
	var result = 0;
	for (var i = start; i < end; i += 1)
		result += i;
	postMessage(result);
	close();
}
