/* A plain BSD-sockets client, SOCKSified only by compiler flags and -lsocks:
 *   cc -Dconnect=Rconnect -Dbind=Rbind -Dgetsockname=Rgetsockname -Dlisten=Rlisten \
 *      -Daccept=Raccept -Dselect=Rselect -Dgethostbyname=Rgethostbyname ... -lsocks
 *
 *   client_plain_bsd HOST PORT PATH [TIMEOUT_S]
 *     HTTP/1.0 GET; prints the response; exit 0 on "200". The connect is non-blocking and
 *     completed by select(2), as many legacy programs do it.
 *   client_plain_bsd active HOST PORT [TIMEOUT_S]
 *     The FTP active-mode pattern: connect to HOST:PORT, then bind/getsockname/listen another
 *     socket, send "PORT h1,h2,h3,h4,p1,p2\r\n" on the first, accept the server's connection
 *     and print what arrives on it; the peer address goes to stderr. Exit 0 if data arrived.
 * HOST is a dotted address or a name (gethostbyname). Exit 1 on failure, 2 on bad usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

static int resolve(const char* host, const char* port, struct sockaddr_in* to) {
  memset(to, 0, sizeof *to);
  to->sin_family = AF_INET;
  to->sin_port = htons((unsigned short)atoi(port));
  if (inet_pton(AF_INET, host, &to->sin_addr) == 1) return 0;
  struct hostent* entry = gethostbyname(host);
  if (entry == NULL || entry->h_addrtype != AF_INET) {
    fprintf(stderr, "%s: unknown host\n", host);
    return -1;
  }
  memcpy(&to->sin_addr, entry->h_addr_list[0], sizeof to->sin_addr);
  return 0;
}

/* Non-blocking connect, completed with select and a repeated connect. */
static int connect_to(const struct sockaddr_in* to, int timeout_s) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  if (connect(fd, (const struct sockaddr*)to, sizeof *to) != 0 && errno != EINPROGRESS) {
    perror("connect");
    close(fd);
    return -1;
  }
  fd_set w;
  FD_ZERO(&w);
  FD_SET(fd, &w);
  struct timeval tv = {timeout_s, 0};
  if (select(fd + 1, NULL, &w, NULL, &tv) != 1) {
    fprintf(stderr, "select: not connected\n");
    close(fd);
    return -1;
  }
  if (connect(fd, (const struct sockaddr*)to, sizeof *to) != 0 && errno != EISCONN) {
    perror("connect (completion)");
    close(fd);
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  struct timeval io = {timeout_s, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &io, sizeof io);
  return fd;
}

/* Reads until EOF (or the buffer is full) and prints it; returns the byte count. */
static size_t read_all(int fd, char* buffer, size_t size) {
  size_t total = 0;
  ssize_t n;
  while (total < size - 1 && (n = read(fd, buffer + total, size - 1 - total)) > 0)
    total += (size_t)n;
  buffer[total] = '\0';
  fputs(buffer, stdout);
  return total;
}

static int http_get(const char* host, const char* port, const char* path, int timeout_s) {
  struct sockaddr_in to;
  if (resolve(host, port, &to) != 0) return 1;
  int fd = connect_to(&to, timeout_s);
  if (fd < 0) return 1;
  char request[512];
  snprintf(request, sizeof request, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, host);
  if (write(fd, request, strlen(request)) < 0) return 1;
  static char response[1 << 16];
  read_all(fd, response, sizeof response);
  close(fd);
  return strstr(response, " 200 ") != NULL ? 0 : 1;
}

static int active_mode(const char* host, const char* port, int timeout_s) {
  struct sockaddr_in to;
  if (resolve(host, port, &to) != 0) return 1;
  int control = connect_to(&to, timeout_s);
  if (control < 0) return 1;
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in local;
  memset(&local, 0, sizeof local);
  local.sin_family = AF_INET;
  socklen_t length = sizeof local;
  if (bind(listener, (struct sockaddr*)&local, sizeof local) != 0 ||
      getsockname(listener, (struct sockaddr*)&local, &length) != 0 || listen(listener, 1) != 0) {
    perror("bind/getsockname/listen");
    return 1;
  }
  unsigned char* a = (unsigned char*)&local.sin_addr;
  unsigned port_number = ntohs(local.sin_port);
  char command[64];
  snprintf(command, sizeof command, "PORT %u,%u,%u,%u,%u,%u\r\n", a[0], a[1], a[2], a[3],
           port_number >> 8, port_number & 0xff);
  if (write(control, command, strlen(command)) < 0) return 1;
  fd_set r;
  FD_ZERO(&r);
  FD_SET(listener, &r);
  struct timeval tv = {timeout_s, 0};
  if (select(listener + 1, &r, NULL, NULL, &tv) != 1) {
    fprintf(stderr, "select: no inbound connection\n");
    return 1;
  }
  struct sockaddr_in peer;
  length = sizeof peer;
  int data = accept(listener, (struct sockaddr*)&peer, &length);
  if (data < 0) {
    perror("accept");
    return 1;
  }
  char peer_text[INET_ADDRSTRLEN] = "";
  inet_ntop(AF_INET, &peer.sin_addr, peer_text, sizeof peer_text);
  fprintf(stderr, "bound %u.%u.%u.%u:%u, accepted from %s\n", a[0], a[1], a[2], a[3], port_number,
          peer_text);
  static char received[1 << 16];
  size_t n = read_all(data, received, sizeof received);
  close(data);
  close(listener);
  close(control);
  return n > 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc >= 4 && strcmp(argv[1], "active") == 0 && argc <= 5)
    return active_mode(argv[2], argv[3], argc == 5 ? atoi(argv[4]) : 10);
  if (argc == 4 || argc == 5)
    return http_get(argv[1], argv[2], argv[3], argc == 5 ? atoi(argv[4]) : 10);
  fprintf(stderr, "usage: %s HOST PORT PATH [TIMEOUT_S] | active HOST PORT [TIMEOUT_S]\n", argv[0]);
  return 2;
}
