// spin.js: never yields; the CPU limit must end it.
while (true) {}
