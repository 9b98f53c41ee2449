// scope_classes.js: the global scope's interfaces (test_loop.c).
postMessage([self instanceof DedicatedWorkerGlobalScope,
    self instanceof WorkerGlobalScope, self instanceof EventTarget,
    Object.prototype.toString.call(self), typeof WorkerGlobalScope,
    Object.getPrototypeOf(self) === DedicatedWorkerGlobalScope.prototype,
    ({}) instanceof EventTarget, self.hasOwnProperty("postMessage"),
    location instanceof WorkerLocation, navigator instanceof WorkerNavigator,
    Object.prototype.toString.call(location),
    Object.prototype.toString.call(navigator)]);
try { new WorkerLocation(); } catch (e) { postMessage(e.name); }
close();
