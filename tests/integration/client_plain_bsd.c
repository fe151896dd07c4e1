/* A plain BSD-sockets HTTP client, SOCKSified only by compiler flags:
 *   cc -Dconnect=Rconnect -Dselect=Rselect ... client_plain_bsd.c -lsocks
 * Usage: client_plain_bsd IP PORT PATH. Prints the response; exit 0 on "200 OK". Uses a
 * non-blocking connect completed by select(2), as many legacy programs do. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  struct sockaddr_in to;
  memset(&to, 0, sizeof to);
  to.sin_family = AF_INET;
  to.sin_port = htons((unsigned short)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) return 2;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  if (connect(fd, (struct sockaddr*)&to, sizeof to) != 0 && errno != EINPROGRESS) {
    perror("connect");
    return 1;
  }
  fd_set w;
  FD_ZERO(&w);
  FD_SET(fd, &w);
  struct timeval tv = {10, 0};
  if (select(fd + 1, NULL, &w, NULL, &tv) != 1) {
    fprintf(stderr, "select: not connected\n");
    return 1;
  }
  if (connect(fd, (struct sockaddr*)&to, sizeof to) != 0 && errno != EISCONN) {
    perror("connect (completion)");
    return 1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  char request[256];
  snprintf(request, sizeof request, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", argv[3], argv[1]);
  if (write(fd, request, strlen(request)) < 0) return 1;
  char response[4096];
  size_t total = 0;
  ssize_t n;
  while (total < sizeof response - 1 && (n = read(fd, response + total, sizeof response - 1 - total)) > 0)
    total += (size_t)n;
  response[total] = '\0';
  fputs(response, stdout);
  close(fd);
  return strstr(response, " 200 ") != NULL ? 0 : 1;
}
