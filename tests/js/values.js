// values.js: JSON-expressible values in both directions. Posts one value
// built here, then answers each message with [data, what this side saw].
function describe(v) {
	if (v === null)
		return "null";
	if (typeof v === "string")
		return "string:" + encodeURIComponent(v);
	if (typeof v === "number")
		return "number:" + String(v);
	if (typeof v === "object")
		return (Array.isArray(v) ? "array:" : "object:") +
		    JSON.stringify(v);
	return typeof v + ":" + String(v);
}
postMessage({
	int: 9007199254740992,
	neg: -9007199254740992,
	f: 0.1,
	big: 1e300,
	m: -1.5,
	t: true,
	fa: false,
	n: null,
	s: "h\u00e9llo \ud83d\ude00",
	arr: [1, [2, [3, {}]]],
	o: { x: { y: "z" } },
	zero: 0
});
self.onmessage = function (e) {
	postMessage([e.data, describe(e.data)]);
};
