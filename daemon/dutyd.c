/* dutyd.c — the daemon's entry point (the event loop arrives with the daemon issue). */
#include <stdio.h>

int main(void) {
        fprintf(stderr, "dutyd: not built yet\n");
        return 1;
}
