--- Loss curves of a run, drawn by gnuplot (run as a separate program;
-- lgan has no plotting of its own).  Prints nothing: the caller reports
-- what `losses` returns.
-- @module lgan.plot

local plot = {}

-- s quoted for a POSIX shell.
local function shell_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- s quoted as a gnuplot single-quoted string (a quote is doubled).
local function gp_quote(s)
  return "'" .. s:gsub("'", "''") .. "'"
end

--- Whether a `gnuplot` program is on the PATH.
function plot.have_gnuplot()
  return os.execute("command -v gnuplot >/dev/null 2>&1") == true
end

--- The gnuplot script that draws metrics.csv (columns step, epoch,
-- d_loss, g_loss, d_real, d_fake, seconds) to a PNG: the two losses
-- above, D(x) and D(G(z)) below, against the epoch.  Each step is a
-- faint dot; the line through them is the epoch's mean (gnuplot's
-- `smooth unique` averages the values of one x).
function plot.script(csv, png, title)
  local data = gp_quote(csv)
  local function pair(a, b, name_a, name_b)
    return ("plot %s using ($1/steps):%d with dots lc rgb '#b0c4de' "
      .. "notitle, '' using ($1/steps):%d with dots lc rgb '#f4c7a1' "
      .. "notitle, '' using 2:%d smooth unique with linespoints lw 2 "
      .. "pt 7 ps 0.5 lc rgb '#1f4e9a' title '%s', '' using 2:%d smooth "
      .. "unique with linespoints lw 2 pt 7 ps 0.5 lc rgb '#c0561b' "
      .. "title '%s'"):format(data, a, b, a, name_a, b, name_b)
  end
  local lines = {
    "set terminal pngcairo size 1000,700 font ',10'",
    "set output " .. gp_quote(png),
    "set datafile separator ','",
    -- Steps per epoch, from the last row: step / epoch.
    "stats " .. data .. " using 1:2 nooutput",
    "steps = STATS_max_x / STATS_max_y",
    "set multiplot layout 2,1 title " .. gp_quote(title or csv),
    "set grid",
    "set key top right",
    "set ylabel 'loss (epoch mean)'",
    pair(3, 4, "discriminator", "generator"),
    "set xlabel 'epoch'",
    "set ylabel 'mean D (epoch mean)'",
    "set yrange [0:1]",
    pair(5, 6, "D(x)", "D(G(z))"),
    "unset multiplot",
    "set output",
  }
  return table.concat(lines, "\n") .. "\n"
end

--- Draws the losses of a metrics.csv into a PNG with gnuplot.
-- @treturn[1] boolean true when the PNG was written
-- @treturn[2] nil
-- @treturn[2] string why not (gnuplot missing, or its complaint)
function plot.losses(csv, png, title)
  if type(csv) ~= "string" or type(png) ~= "string" then
    error("plot.losses: csv and png must be paths (strings)", 2)
  end
  if not plot.have_gnuplot() then
    return nil, "gnuplot is not installed (Debian: apt-get install "
      .. "gnuplot-nox); no loss curve drawn"
  end
  local script = os.tmpname()
  local log = os.tmpname()
  local f = assert(io.open(script, "w"))
  f:write(plot.script(csv, png, title))
  f:close()
  local ok = os.execute(("gnuplot %s >%s 2>&1"):format(shell_quote(script),
    shell_quote(log)))
  os.remove(script)
  local lf = io.open(log)
  local complaint = lf and lf:read("a") or ""
  if lf then lf:close() end
  os.remove(log)
  if ok ~= true then
    return nil, "gnuplot failed: " .. (complaint:gsub("%s+$", ""))
  end
  return true
end

return plot
