"""The other end of the link-local pipe test, run inside a network namespace with
`ip netns exec`. Modes:
  echo tcp|udp ADDR%IF   listen on ADDR%IF port 0, print the port, echo with "echo:" prepended
  client tcp|udp ADDR%IF PORT TEXT   send TEXT, print the first answer (hex), exit
"""
import socket
import sys


def sockaddr(host, port):
    return socket.getaddrinfo(host, port, socket.AF_INET6, 0, 0, socket.AI_NUMERICHOST)[0][4]


def echo(proto, host):
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(socket.AF_INET6, kind)
    s.bind(sockaddr(host, 0))
    print(s.getsockname()[1], flush=True)
    if proto == "udp":
        while True:
            data, addr = s.recvfrom(65536)
            s.sendto(b"echo:" + data, addr)
    s.listen(4)
    while True:
        c, _ = s.accept()
        with c:
            while True:
                data = c.recv(65536)
                if not data:
                    break
                c.sendall(b"echo:" + data)


def client(proto, host, port, text):
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET6, kind) as s:
        s.settimeout(10)
        s.connect(sockaddr(host, int(port)))
        s.send(text.encode())
        print(s.recv(65536).hex(), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "echo":
        echo(sys.argv[2], sys.argv[3])
    else:
        client(*sys.argv[2:6])
