// shared_scope.js: a shared worker's global scope and its interfaces
// (test_shared.c).
var r = [typeof SharedWorkerGlobalScope, typeof DedicatedWorkerGlobalScope,
    self instanceof SharedWorkerGlobalScope,
    self instanceof WorkerGlobalScope, self instanceof EventTarget,
    Object.prototype.toString.call(self),
    Object.getPrototypeOf(self) === SharedWorkerGlobalScope.prototype,
    typeof onmessage, typeof onconnect, typeof close];

try {
	new SharedWorkerGlobalScope();
} catch (e) {
	r.push(e.name);
}
onconnect = function (e) {
	e.ports[0].postMessage(r);
};
