var order = ["a"];
