/* A client for socksify's seccomp supervisor tests, built statically (Makefile:
 * supervised_client_static), so the preload can never reach it:
 *   supervised_client [-n] HOST PORT MESSAGE
 * looks HOST up with getaddrinfo (its own libc's resolver: /etc/hosts, then DNS over UDP),
 * connects (-n: a non-blocking socket, waited for with poll and SO_ERROR), prints
 * "peer ADDRESS:PORT" from getpeername, sends MESSAGE and prints "echo REPLY" once as many
 * bytes came back. Failures go to stderr with exit status 1. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char* what, int error) {
  fprintf(stderr, "%s: %s\n", what, strerror(error));
  return 1;
}

int main(int argc, char** argv) {
  int nonblocking = argc > 1 && strcmp(argv[1], "-n") == 0;
  if (argc != 4 + nonblocking) {
    fprintf(stderr, "usage: supervised_client [-n] HOST PORT MESSAGE\n");
    return 2;
  }
  const char* host = argv[1 + nonblocking];
  const char* port = argv[2 + nonblocking];
  const char* message = argv[3 + nonblocking];
  struct addrinfo hints = {0};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  struct addrinfo* found = NULL;
  int rc = getaddrinfo(host, port, &hints, &found);
  if (rc != 0) {
    fprintf(stderr, "getaddrinfo %s: %s\n", host, gai_strerror(rc));
    return 1;
  }
  int fd = socket(AF_INET, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return fail("socket", errno);
  if (connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
    if (!nonblocking || errno != EINPROGRESS) return fail("connect", errno);
    struct pollfd p = {fd, POLLOUT, 0};
    if (poll(&p, 1, 20000) != 1) return fail("poll", ETIMEDOUT);
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) return fail("connect (SO_ERROR)", error);
  }
  freeaddrinfo(found);
  struct sockaddr_in peer;
  socklen_t peer_length = sizeof peer;
  if (getpeername(fd, (struct sockaddr*)&peer, &peer_length) != 0) return fail("getpeername", errno);
  char text[INET_ADDRSTRLEN] = "";
  inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text);
  printf("peer %s:%u\n", text, ntohs(peer.sin_port));
  fflush(stdout);
  if (nonblocking) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  size_t length = strlen(message);
  if (send(fd, message, length, MSG_NOSIGNAL) != (ssize_t)length) return fail("send", errno);
  char reply[512];
  size_t got = 0;
  while (got < length && got < sizeof reply - 1) {
    ssize_t n = recv(fd, reply + got, sizeof reply - 1 - got, 0);
    if (n <= 0) return fail("recv", n == 0 ? ECONNRESET : errno);
    got += (size_t)n;
  }
  reply[got] = '\0';
  printf("echo %s\n", reply);
  close(fd);
  return 0;
}
