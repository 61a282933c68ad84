/* yaml-events.c — the peer of `dutyctl check` in bench/schedule.sh: libyaml's event parser over
 * the same file, nothing built from the events. It is the floor of any loader that reads YAML
 * with libyaml (scanning, parsing and UTF-8 checking of every byte), so check's time over it is
 * the loader's and planner's own cost.
 *   yaml-events FILE   prints the number of events; exit 1 on a parse error. */
#include <stdio.h>
#include <yaml.h>

int main(int argc, char **argv) {
        if (argc != 2) {
                fprintf(stderr, "usage: yaml-events FILE\n");
                return 2;
        }
        FILE *f = fopen(argv[1], "rb");
        if (!f) {
                perror(argv[1]);
                return 1;
        }
        yaml_parser_t p;
        if (!yaml_parser_initialize(&p)) {
                fprintf(stderr, "yaml-events: out of memory\n");
                fclose(f);
                return 1;
        }
        yaml_parser_set_input_file(&p, f);
        unsigned long n = 0;
        int done = 0, rc = 0;
        while (!done) {
                yaml_event_t e;
                if (!yaml_parser_parse(&p, &e)) {
                        fprintf(stderr, "%s:%zu: %s\n", argv[1], p.problem_mark.line + 1,
                                p.problem ? p.problem : "parse error");
                        rc = 1;
                        break;
                }
                done = e.type == YAML_STREAM_END_EVENT;
                n++;
                yaml_event_delete(&e);
        }
        yaml_parser_delete(&p);
        fclose(f);
        if (rc == 0)
                printf("%lu events\n", n);
        return rc;
}
