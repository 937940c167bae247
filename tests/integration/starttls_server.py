#!/usr/bin/env python3
"""A minimal STARTTLS server for the dance probe tests, on 127.0.0.1.

  starttls_server.py PROTOCOL PORT CERT KEY CLIENT_CA

PROTOCOL is smtp, imap, pop3 or xmpp. Each connection gets the protocol's
plain-text exchange, then a TLS 1.3 handshake that requests a client
certificate (without dane_clientid, like any stock server) that must chain
to CLIENT_CA, then a close.
Runs until killed.
"""
import socket
import ssl
import sys


def line_exchange(conn, protocol):
    reader = conn.makefile("rb")
    if protocol == "smtp":
        conn.sendall(b"220 mx.example ESMTP test\r\n")
        reader.readline()  # EHLO
        conn.sendall(b"250-mx.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n")
        reader.readline()  # STARTTLS
        conn.sendall(b"220 Ready to start TLS\r\n")
    elif protocol == "imap":
        conn.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n")
        tag = reader.readline().split(b" ")[0]
        conn.sendall(b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK Begin TLS\r\n")
    elif protocol == "pop3":
        conn.sendall(b"+OK POP3 ready\r\n")
        reader.readline()  # STLS
        conn.sendall(b"+OK Begin TLS\r\n")
    elif protocol == "xmpp":
        received = b""
        while b">" not in received.split(b"?>", 1)[-1]:
            received += conn.recv(1024)
        conn.sendall(b"<?xml version='1.0'?><stream:stream "
                     b"xmlns='jabber:client' "
                     b"xmlns:stream='http://etherx.jabber.org/streams' "
                     b"version='1.0'><stream:features><starttls "
                     b"xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
                     b"</starttls></stream:features>")
        received = b""
        while b"/>" not in received:
            received += conn.recv(1024)
        conn.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")


def main():
    protocol, port, cert, key, client_ca = (sys.argv[1], int(sys.argv[2]),
                                            sys.argv[3], sys.argv[4],
                                            sys.argv[5])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.load_cert_chain(cert, key)
    context.verify_mode = ssl.CERT_OPTIONAL
    context.load_verify_locations(client_ca)
    listener = socket.create_server(("127.0.0.1", port))
    while True:
        conn, _ = listener.accept()
        conn.settimeout(10)
        try:
            line_exchange(conn, protocol)
            tls = context.wrap_socket(conn, server_side=True)
            tls.close()
        except (OSError, ssl.SSLError):
            conn.close()


main()
