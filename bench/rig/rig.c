/*
 * The benchmark's rig in C: the target server, the load generator and the bulk reader, one epoll loop each.
 *
 * Why C: on a 2-core machine the rig shares the cores with what it measures. In Node the load generator
 * and the target took 0.21 ms of CPU per short connection, as much as the gateway itself (0.23 ms) and
 * more than `ssh` (0.14 ms); in C they take 0.12 ms. No packaged load generator speaks SOCKS5 with
 * per-request latency (wrk and h2load are no SOCKS clients), and none is installed here.
 *
 *   rig target
 *       Listens on 127.0.0.1:0 and prints "READY <port>". One request line per connection:
 *       "BULK <n>\n" -> n bytes, then close; "PING\n" -> a small header and, 2 ms later, a small body
 *       (two writes, as real servers answer), then close; "IDLE\n" -> nothing, held open.
 *   rig load <socks-port|0> <target-port> <concurrency> <duration-ms> <max-requests|0>
 *       Closed loop: each client connects (through SOCKS5 when the port is not 0), sends
 *       "PING\n", reads the whole response to the server's close, and starts again. Prints one JSON line:
 *       {"requests":..,"errors":..,"seconds":..,"p50":..,"p99":..} (latencies in ms).
 *   rig bulk <socks-port|0> <target-port> <streams> <bytes-each>
 *       Concurrent "BULK" downloads read into one buffer. Prints {"bytes":..,"seconds":..,"errors":..}.
 *   SOCKS5 authentication: no-auth, or username/password (RFC 1929) when EG_BENCH_SOCKS_USERNAME and
 *   EG_BENCH_SOCKS_PASSWORD are set (in the environment, not argv, so no process listing shows them). Each step
 *   waits for the proxy's answer, as curl does.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define LINE_MAX_BYTES 64
#define CHUNK_BYTES (256 * 1024)

static const char PING_HEADER[] = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n";
static const char PING_BODY[] = "pong\n";
static char chunk[CHUNK_BYTES];

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what) {
  fprintf(stderr, "rig: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void set_nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* ---------------------------------------------------------------- target */

enum target_state { T_LINE, T_BULK, T_PING_WAIT, T_DRAIN };

struct tconn {
  int fd;
  enum target_state state;
  size_t line_len;
  char line[LINE_MAX_BYTES];
  uint64_t bulk_left;
  double body_at;        /* PING: when the body is due */
  struct tconn *next;    /* PING timer queue (deadlines are all now + 2 ms, so FIFO order is deadline order) */
  int queued;
  int dead;              /* closed while still in the timer queue; freed when it leaves the queue */
};

static struct tconn *queue_head, *queue_tail;
/* Connections closed during one batch of events, freed after it (a later event of the batch may name them). */
static struct tconn *graveyard;
static int timer_fd;

static void arm_timer(void) {
  struct itimerspec its = {0};
  if (queue_head) {
    double wait = queue_head->body_at - now_ms();
    if (wait < 0.001) wait = 0.001;
    its.it_value.tv_sec = (time_t)(wait / 1e3);
    its.it_value.tv_nsec = (long)((wait - (double)its.it_value.tv_sec * 1e3) * 1e6);
  }
  timerfd_settime(timer_fd, 0, &its, NULL);
}

static void tclose(int ep, struct tconn *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->fd = -1;
  if (c->queued) {
    c->dead = 1;
  } else {
    c->next = graveyard;
    graveyard = c;
  }
}

/* Sends the rest of a BULK answer; returns 0 when done, 1 when the socket is full, -1 on error. */
static int pump_bulk(struct tconn *c) {
  while (c->bulk_left > 0) {
    size_t n = c->bulk_left < CHUNK_BYTES ? (size_t)c->bulk_left : CHUNK_BYTES;
    ssize_t w = write(c->fd, chunk, n);
    if (w < 0) return errno == EAGAIN ? 1 : -1;
    c->bulk_left -= (uint64_t)w;
  }
  return 0;
}

/* After the answer: half-close and read to the client's close, so no unread byte turns close into a reset. */
static void finish(struct tconn *c) {
  shutdown(c->fd, SHUT_WR);
  c->state = T_DRAIN;
}

static void on_request(int ep, struct tconn *c) {
  c->line[c->line_len] = '\0';
  if (strncmp(c->line, "BULK ", 5) == 0) {
    c->bulk_left = strtoull(c->line + 5, NULL, 10);
    c->state = T_BULK;
    int r = pump_bulk(c);
    if (r < 0) return tclose(ep, c);
    if (r == 0) finish(c);
  } else if (strcmp(c->line, "PING") == 0) {
    if (write(c->fd, PING_HEADER, sizeof PING_HEADER - 1) < 0) return tclose(ep, c);
    c->state = T_PING_WAIT;
    c->body_at = now_ms() + 2.0;
    c->queued = 1;
    c->next = NULL;
    if (queue_tail) queue_tail->next = c;
    else queue_head = c;
    queue_tail = c;
    if (queue_head == c) arm_timer();
  } else if (strcmp(c->line, "IDLE") == 0) {
    c->state = T_DRAIN;
  } else {
    tclose(ep, c);
  }
}

static void on_readable(int ep, struct tconn *c) {
  char buf[4096];
  for (;;) {
    ssize_t r = read(c->fd, buf, sizeof buf);
    if (r == 0) return tclose(ep, c);
    if (r < 0) {
      if (errno != EAGAIN) tclose(ep, c);
      return;
    }
    if (c->state != T_LINE) continue; /* bytes after the request line are read and dropped */
    for (ssize_t i = 0; i < r; i++) {
      if (buf[i] == '\n') {
        on_request(ep, c);
        if (c->fd < 0) return;
        break; /* the rest is dropped by the next reads */
      }
      if (c->line_len == LINE_MAX_BYTES - 1) return tclose(ep, c);
      c->line[c->line_len++] = buf[i];
    }
  }
}

static void on_timer(int ep) {
  uint64_t expirations;
  if (read(timer_fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN) die("timerfd read");
  double now = now_ms();
  while (queue_head && queue_head->body_at <= now) {
    struct tconn *c = queue_head;
    queue_head = c->next;
    if (!queue_head) queue_tail = NULL;
    c->queued = 0;
    if (c->dead) {
      free(c);
      continue;
    }
    if (write(c->fd, PING_BODY, sizeof PING_BODY - 1) < 0) tclose(ep, c);
    else finish(c);
  }
  arm_timer();
}

static _Noreturn void run_target(void) {
  memset(chunk, 'a', sizeof chunk);
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (lfd < 0) die("socket");
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
  if (listen(lfd, 4096) < 0) die("listen");
  socklen_t len = sizeof addr;
  getsockname(lfd, (struct sockaddr *)&addr, &len);

  int ep = epoll_create1(0);
  timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  if (ep < 0 || timer_fd < 0) die("epoll/timerfd");
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  static int timer_tag;
  ev.data.ptr = &timer_tag;
  epoll_ctl(ep, EPOLL_CTL_ADD, timer_fd, &ev);

  printf("READY %d\n", ntohs(addr.sin_port));
  fflush(stdout);

  struct epoll_event events[MAX_EVENTS];
  for (;;) {
    int n = epoll_wait(ep, events, MAX_EVENTS, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int i = 0; i < n; i++) {
      void *tag = events[i].data.ptr;
      if (tag == NULL) {
        for (;;) {
          int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
          if (fd < 0) break;
          set_nodelay(fd);
          struct tconn *c = calloc(1, sizeof *c);
          if (!c) die("calloc");
          c->fd = fd;
          struct epoll_event cev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
        }
      } else if (tag == &timer_tag) {
        on_timer(ep);
      } else {
        struct tconn *c = tag;
        if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) on_readable(ep, c);
        if (c->fd < 0) continue;
        if ((events[i].events & EPOLLOUT) && c->state == T_BULK) {
          int r = pump_bulk(c);
          if (r < 0) tclose(ep, c);
          else if (r == 0) finish(c);
        }
      }
    }
    while (graveyard) {
      struct tconn *c = graveyard;
      graveyard = c->next;
      free(c);
    }
  }
}

/* ---------------------------------------------------------------- clients (load and bulk) */

enum client_state { C_CONNECTING, C_METHOD, C_AUTH, C_REPLY, C_RESPONSE };

struct client {
  int fd;
  enum client_state state;
  uint8_t got[10];
  size_t got_len;
  uint64_t bytes;
  double started;
};

static int socks_port, target_port;
static const char *request_line;
static size_t request_len;
static uint64_t read_total;
/* RFC 1929 request (version 1, username, password), built once; auth_len 0: no-auth. */
static uint8_t auth_request[3 + 255 + 255];
static size_t auth_len;

static void load_credential(void) {
  const char *user = getenv("EG_BENCH_SOCKS_USERNAME");
  const char *pass = getenv("EG_BENCH_SOCKS_PASSWORD");
  if (!user || !pass) return;
  size_t ulen = strlen(user), plen = strlen(pass);
  if (ulen == 0 || ulen > 255 || plen == 0 || plen > 255) {
    fprintf(stderr, "rig: the SOCKS username and password must be 1-255 bytes each\n");
    exit(2);
  }
  auth_request[0] = 1;
  auth_request[1] = (uint8_t)ulen;
  memcpy(auth_request + 2, user, ulen);
  auth_request[2 + ulen] = (uint8_t)plen;
  memcpy(auth_request + 3 + ulen, pass, plen);
  auth_len = 3 + ulen + plen;
}

static int client_open(int ep, struct client *c) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (c->fd < 0) die("socket");
  set_nodelay(c->fd);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  addr.sin_port = htons((uint16_t)(socks_port ? socks_port : target_port));
  c->state = C_CONNECTING;
  c->got_len = 0;
  c->bytes = 0;
  c->started = now_ms();
  if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) {
    close(c->fd);
    c->fd = -1;
    return -1;
  }
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
  return 0;
}

static void client_close(struct client *c) {
  close(c->fd); /* also leaves the epoll set */
  c->fd = -1;
}

static int send_all(int fd, const void *data, size_t len) {
  return write(fd, data, len) == (ssize_t)len ? 0 : -1;
}

/* Advances one client; returns 1 when its response ended (server closed), -1 on error, 0 to wait. */
static int client_step(struct client *c, uint32_t events) {
  if (events & EPOLLERR) return -1;
  if (c->state == C_CONNECTING) {
    if (!(events & EPOLLOUT)) return 0;
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) return -1;
    if (socks_port) {
      static const uint8_t greeting[] = {5, 1, 0};
      static const uint8_t greeting_auth[] = {5, 1, 2};
      if (auth_len ? send_all(c->fd, greeting_auth, sizeof greeting_auth) < 0 : send_all(c->fd, greeting, sizeof greeting) < 0) return -1;
      c->state = C_METHOD;
    } else {
      if (send_all(c->fd, request_line, request_len) < 0) return -1;
      c->state = C_RESPONSE;
    }
  }
  for (;;) {
    if (c->state == C_RESPONSE) {
      ssize_t r = read(c->fd, chunk, sizeof chunk);
      if (r == 0) return 1;
      if (r < 0) return errno == EAGAIN ? 0 : -1;
      c->bytes += (uint64_t)r;
      continue;
    }
    size_t want = c->state == C_REPLY ? 10 : 2;
    ssize_t r = read(c->fd, c->got + c->got_len, want - c->got_len);
    if (r == 0) return -1;
    if (r < 0) return errno == EAGAIN ? 0 : -1;
    c->got_len += (size_t)r;
    if (c->got_len < want) continue;
    if (c->state == C_METHOD && auth_len) {
      if (c->got[0] != 5 || c->got[1] != 2) return -1;
      if (send_all(c->fd, auth_request, auth_len) < 0) return -1;
      c->state = C_AUTH;
      c->got_len = 0;
    } else if (c->state == C_METHOD || c->state == C_AUTH) {
      if (c->state == C_METHOD ? c->got[0] != 5 || c->got[1] != 0 : c->got[0] != 1 || c->got[1] != 0) return -1;
      uint8_t req[10] = {5, 1, 0, 1, 127, 0, 0, 1, (uint8_t)(target_port >> 8), (uint8_t)(target_port & 0xff)};
      if (send_all(c->fd, req, sizeof req) < 0) return -1;
      c->state = C_REPLY;
      c->got_len = 0;
    } else {
      if (c->got[0] != 5 || c->got[1] != 0) return -1;
      if (send_all(c->fd, request_line, request_len) < 0) return -1;
      c->state = C_RESPONSE;
    }
  }
}

/* CPU seconds this process has used: the rig reports its own cost beside what it measured. */
static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double quantile(const double *sorted, size_t n, double q) {
  size_t i = (size_t)(q * (double)n);
  return sorted[i < n ? i : n - 1];
}

static int run_clients(int concurrency, double duration_ms, long max_requests, int bulk) {
  int ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  struct client *clients = calloc((size_t)concurrency, sizeof *clients);
  size_t cap = 1 << 16, count = 0;
  double *samples = malloc(cap * sizeof *samples);
  if (!clients || !samples) die("alloc");
  long errors = 0, started = 0;
  int active = 0;
  double t0 = now_ms(), deadline = t0 + duration_ms;

  for (int i = 0; i < concurrency; i++) {
    if (max_requests && started >= max_requests) break;
    started++;
    if (client_open(ep, &clients[i]) == 0) active++;
    else errors++;
  }
  struct epoll_event events[MAX_EVENTS];
  while (active > 0) {
    int n = epoll_wait(ep, events, MAX_EVENTS, 1000);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int i = 0; i < n; i++) {
      struct client *c = events[i].data.ptr;
      if (c->fd < 0) continue;
      int r = client_step(c, events[i].events);
      if (r == 0) continue;
      double done = now_ms();
      client_close(c);
      active--;
      if (r > 0) {
        read_total += c->bytes;
        if (count == cap) {
          cap *= 2;
          samples = realloc(samples, cap * sizeof *samples);
          if (!samples) die("realloc");
        }
        samples[count++] = done - c->started;
      } else {
        errors++;
      }
      if (bulk || done >= deadline || (max_requests && started >= max_requests)) continue;
      started++;
      if (client_open(ep, c) == 0) active++;
      else errors++;
    }
  }
  double seconds = (now_ms() - t0) / 1e3;
  if (bulk) {
    printf("{\"bytes\":%llu,\"seconds\":%.6f,\"errors\":%ld,\"cpu\":%.3f}\n", (unsigned long long)read_total, seconds, errors,
           cpu_seconds());
  } else {
    qsort(samples, count, sizeof *samples, compare_doubles);
    /* JSON has no NaN: with no completed request the quantiles are null. */
    if (count == 0)
      printf("{\"requests\":0,\"errors\":%ld,\"seconds\":%.6f,\"p50\":null,\"p99\":null,\"cpu\":%.3f}\n", errors, seconds, cpu_seconds());
    else
      printf("{\"requests\":%zu,\"errors\":%ld,\"seconds\":%.6f,\"p50\":%.4f,\"p99\":%.4f,\"cpu\":%.3f}\n", count, errors, seconds,
             quantile(samples, count, 0.5), quantile(samples, count, 0.99), cpu_seconds());
  }
  return 0;
}

static int usage(void) {
  fprintf(stderr,
          "usage: rig target\n"
          "       rig load <socks-port|0> <target-port> <concurrency> <duration-ms> <max-requests|0>\n"
          "       rig bulk <socks-port|0> <target-port> <streams> <bytes-each>\n");
  return 2;
}

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  load_credential();
  if (argc == 2 && strcmp(argv[1], "target") == 0) run_target();
  if (argc == 7 && strcmp(argv[1], "load") == 0) {
    socks_port = atoi(argv[2]);
    target_port = atoi(argv[3]);
    request_line = "PING\n";
    request_len = strlen(request_line);
    return run_clients(atoi(argv[4]), atof(argv[5]), atol(argv[6]), 0);
  }
  if (argc == 6 && strcmp(argv[1], "bulk") == 0) {
    static char line[64];
    socks_port = atoi(argv[2]);
    target_port = atoi(argv[3]);
    snprintf(line, sizeof line, "BULK %s\n", argv[5]);
    request_line = line;
    request_len = strlen(line);
    return run_clients(atoi(argv[4]), 0, 0, 1);
  }
  return usage();
}
