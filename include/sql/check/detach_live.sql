DETACH live;
