// error_onerror.js: onerror returning true cancels the error event.
self.onerror = function (message, filename, lineno) {
	postMessage(["onerror", String(message).indexOf("boom") >= 0, lineno]);
	return true;
};
self.onmessage = function (e) {
	if (e.data === "boom")
		throw new Error("boom");
	postMessage(e.data);
};
