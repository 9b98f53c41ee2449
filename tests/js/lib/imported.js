var imported = "lib/imported.js";
