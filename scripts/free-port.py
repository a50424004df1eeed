"""Prints a free loopback port P such that P, P+1 and P+2 are all free."""
import random
import socket

def free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False

while True:
    port = random.randint(20000, 60000)
    if all(free(port + i) for i in range(3)):
        print(port)
        break
