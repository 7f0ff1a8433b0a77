// Reads a JSON list of iCalendar texts on stdin; prints the UTC instant (seconds) of each
// text's first VEVENT's DTSTART, as ical.js reads it with the VTIMEZONE of that text only
// (what Thunderbird and Nextcloud do with a zone they take from the file).
import ICAL from "ical.js";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const instants = JSON.parse(input).map((text) => {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const zones = new Map();
  for (const definition of calendar.getAllSubcomponents("vtimezone")) {
    const zone = new ICAL.Timezone(definition);
    zones.set(zone.tzid, zone);
  }
  const start = calendar.getFirstSubcomponent("vevent").getFirstProperty("dtstart");
  const tzid = start.getParameter("tzid");
  const zone = zones.get(tzid);
  if (zone === undefined) throw new Error(`no VTIMEZONE for ${tzid}`);
  const time = start.getFirstValue().clone();
  time.zone = zone;
  return time.toUnixTime();
});
process.stdout.write(JSON.stringify(instants));
