// error_listener.js: an "error" listener calling preventDefault cancels it.
self.addEventListener("error", function (e) {
	postMessage(["listener", e.message.indexOf("boom") >= 0, e.lineno,
	    e.filename === location.href]);
	e.preventDefault();
});
self.onmessage = function (e) {
	if (e.data === "boom")
		throw new Error("boom");
	postMessage(e.data);
};
