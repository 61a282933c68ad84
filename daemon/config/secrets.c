/* secrets.c — see secrets.h. */
#include "secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "load.h"
#include "i18n.h"
#include "util.h"

/* A regular file only, opened without blocking: a FIFO would hold the read (and with it a
 * reload) forever. NULL with errno set; *special when the file is not a regular one. */
static FILE *open_secret(const char *path, bool *special) {
        struct stat st;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
                return NULL;
        *special = fstat(fd, &st) == 0 && !S_ISREG(st.st_mode);
        FILE *f = !*special && fcntl(fd, F_SETFL, 0) == 0 ? fdopen(fd, "re") : NULL;
        if (!f) {
                int e = errno;
                close(fd);
                errno = e;
        }
        return f;
}

/* Reads one secret. Errors name the file or credential, never the content. */
static int secret_load(Secret *s, Diags *diags) {
        if (!s->file && !s->credential)
                return 0;
        _cleanup_free_ char *path = NULL;
        if (s->credential) {
                /* Under systemd, the service's private copy, where units/dutyd.service's folder
                 * credential "dutyd" names each file "dutyd_FILE"; otherwise (dutyctl check
                 * --secrets, send-test, a daemon run by hand) the folder itself. */
                const char *dir = getenv("CREDENTIALS_DIRECTORY"), *name = s->credential;
                bool service = dir && *dir;
                if (!service) {
                        dir = CREDENTIALS_FOLDER;
                        if (strncmp(name, CREDENTIAL_PREFIX, strlen(CREDENTIAL_PREFIX)) == 0)
                                name += strlen(CREDENTIAL_PREFIX);
                }
                path = strfmt("%s/%s", dir, name);
                if (service && path && access(path, F_OK) < 0) {
                        free(path);
                        path = strfmt("%s/" CREDENTIAL_PREFIX "%s", dir, name);
                }
        } else
                path = strdup(s->file);
        if (!path)
                return -ENOMEM;
        bool special = false;
        _cleanup_fclose_ FILE *f = open_secret(path, &special);
        char buf[4096];
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        if (special) {
                diags_add(diags, false, s->where, 0, 0, "secret '%s' is not a regular file", path);
                return -EIO;
        }
        if (!f || ferror(f)) {
                int e = errno;
                diags_add(diags, false, s->where, 0, 0, "cannot read secret '%s': %s%s", path,
                          strerror(e),
                          e == EACCES && s->credential ? _(" (credentials are root's: run as root)")
                                                       : "");
                return -EIO;
        }
        buf[n] = 0;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
                buf[--n] = 0;
        if (n == 0 || strlen(buf) != n) {
                diags_add(diags, false, s->where, 0, 0, "secret '%s' is empty or not text", path);
                explicit_bzero(buf, sizeof(buf));
                return -EINVAL;
        }
        if (s->value) /* read before: do not leave it in freed heap memory */
                explicit_bzero(s->value, strlen(s->value));
        free(s->value);
        s->value = strdup(buf);
        explicit_bzero(buf, sizeof(buf));
        return s->value ? 0 : -ENOMEM;
}

int config_load_secrets(Config *c, Diags *diags) {
        int r = 0;
        for (size_t i = 0; i < c->n_channels; i++) {
                Channel *ch = &c->channels[i];
                Secret *all[] = {&ch->key, &ch->secret, &ch->password};
                for (size_t j = 0; j < ELEMENTSOF(all); j++) {
                        int q = secret_load(all[j], diags);
                        if (q < 0)
                                r = q;
                }
        }
        return r;
}
