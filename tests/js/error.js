// error.js: an uncaught Error on "boom" (line 4), echoes anything else.
self.onmessage = function (e) {
	if (e.data === "boom")
		throw new Error("boom");
	postMessage(e.data);
};
